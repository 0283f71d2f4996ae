/* cmd_sweep.h -- fgattn sweep as the first step of another command (fgattn demo), on its line */

#ifndef FGA_CMD_SWEEP_H
#define FGA_CMD_SWEEP_H

#include "cli.h"

/* The progress line of a command whose first step is `fgattn sweep': the
   sweep's cells are its first steps, and steps_after more follow, each
   weighed as a cell of the sweep's mean weight (their real cost is not
   modelled; in the demo they take a few seconds, about one cell's).  When
   the sweep is done, cells and work say where the line stands.  */
typedef struct
{
  cli_progress_t *pr;          /* the caller's line, begun before the sweep */
  size_t steps_after;
  size_t cells;                /* out: the sweep's cells, all done */
  double work, work_step;      /* out: the sweep's weighted work; one step after it */
} cli_sweep_outer;

/* Makes the next cli_sweep of this process report on outer->pr rather
   than on a line of its own; NULL goes back to its own.  */
void cli_sweep_nest (cli_sweep_outer *outer);

#endif
