/* user methods -- functions of the program registered by name, run as methods

   fga_method_register_user puts a function into a fixed table of
   FGA_USER_METHODS_MAX slots; each slot holds a method class of its own
   (its name, its one size parameter, the run hook below), so that a spec
   naming it goes through the same parsing, formatting and life cycle as
   any built-in method (src/methods/method.c finds it by
   fgap_user_class_acquire when the name is not built in).

   Lifetime.  A method object points at its slot's class, and its run calls
   the slot's function with its data.  So a slot counts the objects made
   from it (acquire in fga_method_create, release in fga_method_destroy),
   and unregistering is refused while any exists: once it succeeds, the
   function is never called again and the program may free its data (a
   Python callback object, say).  A slot is rewritten only when it is free
   and unused, and always under the lock, so an object reads its class
   without the lock.  The lock is never held while a function runs.  */

#include "core/fga-impl.h"
#include "methods/method-impl.h"

#include <ctype.h>
#include <pthread.h>

#define NAME_MAX_LEN 31

typedef struct
{
  fgap_method_class cls;       /* first: a method's cls points at the slot */
  fga_param_info params[2];    /* the size key (if any), then the end */
  char name[NAME_MAX_LEN + 1];
  char key[NAME_MAX_LEN + 1];  /* "" when there is no size parameter */
  fga_user_method_fn fn;
  void *data;
  int active;                  /* registered */
  size_t users;                /* method objects made from it, alive */
} user_slot;

static user_slot slots[FGA_USER_METHODS_MAX];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot of cls, or NULL when cls is not a user method's.  */
static user_slot *
slot_of (const fgap_method_class *cls)
{
  for (size_t i = 0; i < FGA_USER_METHODS_MAX; i++)
    if (cls == &slots[i].cls)
      return &slots[i];
  return NULL;
}

/* The active slot named by the len bytes of name, or NULL; under the lock. */
static user_slot *
slot_named (const char *name, size_t len)
{
  for (size_t i = 0; i < FGA_USER_METHODS_MAX; i++)
    if (slots[i].active && strlen (slots[i].name) == len && memcmp (slots[i].name, name, len) == 0)
      return &slots[i];
  return NULL;
}

const fgap_method_class *
fgap_user_class_acquire (const char *name, size_t len)
{
  pthread_mutex_lock (&slots_lock);
  user_slot *u = slot_named (name, len);
  if (u != NULL)
    u->users++;
  pthread_mutex_unlock (&slots_lock);
  return u != NULL ? &u->cls : NULL;
}

void
fgap_user_class_release (const fgap_method_class *cls)
{
  user_slot *u = slot_of (cls);
  if (u == NULL)
    return;
  pthread_mutex_lock (&slots_lock);
  u->users--;
  pthread_mutex_unlock (&slots_lock);
}

void
fgap_user_names (char *buf, size_t size)
{
  size_t used = 0;
  buf[0] = '\0';
  pthread_mutex_lock (&slots_lock);
  for (size_t i = 0; i < FGA_USER_METHODS_MAX && used < size; i++)
    if (slots[i].active)
      used += (size_t) snprintf (buf + used, size - used, "%s%s", used ? ", " : "",
                                 slots[i].name);
  pthread_mutex_unlock (&slots_lock);
}

void
fgap_stats_uncounted (fga_stats *st, size_t bytes)
{
  st->peak_bytes = bytes;
  snprintf (st->notes, sizeof st->notes, "the operation counts of a method run outside "
            "fgattn are not known: they are given as 0");
}

/* ------------------------------------------------------------------ */
/* The run hook of every user method.  */

static int
user_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
          fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const user_slot *u = (const user_slot *) m->cls;
  if (lse != NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: a user method gives no lse (run it "
                          "without lse)", u->name);
  const fga_problem *p = &m->prob;
  long size = u->key[0] != '\0' ? fgap_param_int (m, u->key) : 0;
  /* NaN first: an entry the function does not write is caught below.  */
  for (size_t i = 0; i < p->nq * p->dv; i++)
    T->data[i] = NAN;
  char msg[512] = "";
  int r = u->fn (T->data, Q->data, K->data, V->data, p->nq, p->nk, p->d, p->dv,
                 fga_tau_double (&p->tau, p->d), size, u->data, msg, sizeof msg);
  msg[sizeof msg - 1] = '\0';
  fgap_stats_uncounted (st, 0);
  if (u->key[0] != '\0')
    fga_stats_set (st, u->key, (double) size);
  if (r != 0)
    {
      if (msg[0] != '\0')
        return fgap_error_set (err, FGA_ERR_COMPUTE, "method %s: %s", u->name, msg);
      return fgap_error_set (err, FGA_ERR_COMPUTE, "method %s: the function returned %d",
                            u->name, r);
    }
  fga_error sub;
  fga_error_init (&sub);
  if (fga_mat_check_finite (T, "the output", &sub) != FGA_OK)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "method %s: %s (every entry must be written, "
                          "and finite)", u->name, sub.msg);
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* Registration.  */

/* Whether s is [a-z][a-z0-9_]* of 1 to NAME_MAX_LEN characters.  */
static int
name_ok (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n > NAME_MAX_LEN || !islower ((unsigned char) s[0]))
    return 0;
  for (size_t k = 0; k < n; k++)
    if (!(s[k] >= 'a' && s[k] <= 'z') && !(s[k] >= '0' && s[k] <= '9') && s[k] != '_')
      return 0;
  return 1;
}

/* Fills the free slot u for name; under the lock.  */
static void
slot_fill (user_slot *u, const char *name, const char *size_key, fga_user_method_fn fn,
           void *data)
{
  static const fga_param_info end = { NULL, 0, NULL, 0, 0, NULL, NULL, NULL };
  snprintf (u->name, sizeof u->name, "%s", name);
  snprintf (u->key, sizeof u->key, "%s", size_key != NULL ? size_key : "");
  u->params[0] = end;
  u->params[1] = end;
  if (u->key[0] != '\0')
    {
      const fga_param_info size = { u->key, FGA_PARAM_INT, "0", 0, 9007199254740992.0, NULL,
                                    NULL, "the size, passed to the function" };
      u->params[0] = size;
    }
  memset (&u->cls, 0, sizeof u->cls);
  u->cls.info.name = u->name;
  u->cls.info.description = "a function of the program (fga_method_register_user)";
  u->cls.info.params = u->params;
  u->cls.run = user_run;
  u->fn = fn;
  u->data = data;
  u->users = 0;
  u->active = 1;
}

int
fga_method_register_user (const char *name, const char *size_key, fga_user_method_fn fn,
                          void *data, fga_error *err)
{
  if (name == NULL || !name_ok (name))
    return fgap_error_set (err, FGA_ERR_INPUT, "user method name '%s': a name is [a-z][a-z0-9_]* "
                          "of 1 to %d characters", name != NULL ? name : "(null)", NAME_MAX_LEN);
  if (size_key != NULL && size_key[0] != '\0' && !name_ok (size_key))
    return fgap_error_set (err, FGA_ERR_INPUT, "user method %s: size key '%s': a key is "
                          "[a-z][a-z0-9_]* of 1 to %d characters", name, size_key, NAME_MAX_LEN);
  if (fn == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "user method %s: no function", name);
  if (fgap_method_class_find (name, strlen (name)) != NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "user method %s: a built-in method has that "
                          "name (fgattn methods)", name);
  int rc = FGA_OK;
  pthread_mutex_lock (&slots_lock);
  user_slot *free_slot = NULL;
  for (size_t i = FGA_USER_METHODS_MAX; i-- > 0;)
    if (!slots[i].active && slots[i].users == 0)
      free_slot = &slots[i];
  if (slot_named (name, strlen (name)) != NULL)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "user method %s is registered already (unregister "
                        "it first)", name);
  else if (free_slot == NULL)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "user method %s: %d user methods are registered "
                        "already, the most there may be", name, FGA_USER_METHODS_MAX);
  else
    slot_fill (free_slot, name, size_key, fn, data);
  pthread_mutex_unlock (&slots_lock);
  return rc;
}

int
fga_method_unregister_user (const char *name, fga_error *err)
{
  if (name == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "user method name (null)");
  int rc = FGA_OK;
  pthread_mutex_lock (&slots_lock);
  user_slot *u = slot_named (name, strlen (name));
  if (u == NULL)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "user method %s is not registered", name);
  else if (u->users > 0)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "user method %s is still used by %zu method "
                        "object%s: destroy them first", name, u->users, u->users > 1 ? "s" : "");
  else
    {
      u->active = 0;
      u->fn = NULL;
      u->data = NULL;
    }
  pthread_mutex_unlock (&slots_lock);
  return rc;
}
