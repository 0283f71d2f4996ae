/* mpfr-impl.h -- MPFR's global state saved around a computation and restored, as MPFR_SAVE_EXPO does

   MPFR keeps the exponent range and the exception flags in global (with
   thread-local storage, per-thread) variables.  A function of fgattn that
   computes in MPFR must not depend on the range its caller chose, and must
   not leave flags of its own intermediates to the caller: the convention of
   MPFR's own functions (MPFR_SAVE_EXPO_DECL / MARK / FREE in its
   src/mpfr-impl.h), which fgattn follows in one pair,

     fgap_mpfr_state st;
     fgap_mpfr_state_save (&st);
     ...
   done:
     fgap_mpfr_state_restore (&st);
     return rc;

   with a single exit through the restore.  The state is per thread: a
   parallel region that computes in MPFR saves and restores in each thread
   too.  A function that returns values in mpfr_t computes them in the widest
   range; if they can fall outside the caller's (st.emin and st.emax), it
   moves them into it before the restore, as fga_truth does.  */

#ifndef FGA_MPFR_IMPL_H
#define FGA_MPFR_IMPL_H

#include <mpfr.h>

typedef struct
{
  mpfr_exp_t emin, emax;       /* the caller's exponent range */
  mpfr_flags_t flags;          /* the caller's flags */
} fgap_mpfr_state;

/* Saves the caller's range and flags in st, widens the range to the largest
   MPFR allows (every intermediate of fgattn's bounds is proved to fit it,
   not the caller's range) and clears the flags, so that a flag tested before
   the restore was raised by this computation.  */
static inline void
fgap_mpfr_state_save (fgap_mpfr_state *st)
{
  st->emin = mpfr_get_emin ();
  st->emax = mpfr_get_emax ();
  st->flags = mpfr_flags_save ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
  mpfr_clear_flags ();
}

/* Puts back the range and the flags saved in st, exactly: the flags raised
   in between are the computation's own (its results are checked by its
   error bounds, not by flags), and are dropped.  */
static inline void
fgap_mpfr_state_restore (const fgap_mpfr_state *st)
{
  mpfr_set_emin (st->emin);
  mpfr_set_emax (st->emax);
  mpfr_flags_restore (st->flags, MPFR_FLAGS_ALL);
}

#endif /* FGA_MPFR_IMPL_H */
