/* cli_dispatch.c -- from a program's command line to one of its commands

   fgattn and fgattn-mpi answer --help, --version and help COMMAND the same
   way and differ only in their table of commands, their overview and how
   they refuse an unknown name (cli_program_t in cli.h).  */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command_t *
find (const cli_program_t *prog, const char *name)
{
  for (size_t k = 0; k < prog->ncommands; k++)
    if (strcmp (prog->commands[k].name, name) == 0)
      return &prog->commands[k];
  return NULL;
}

/* help COMMAND: the command's own --help.  */
static int
help (const cli_program_t *prog, const char *name)
{
  const cli_command_t *c = find (prog, name);
  if (c == NULL)
    return prog->unknown (name);
  char *args[] = { (char *) c->name, (char *) "--help", NULL };
  cli_command = c->name;
  return c->run (2, args);
}

int
cli_dispatch (const cli_program_t *prog, int argc, char **argv)
{
  if (argc < 2)
    {
      prog->overview (stderr);
      return CLI_USAGE;
    }
  const char *name = argv[1];
  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0
      || (strcmp (name, "help") == 0 && argc < 3))
    {
      prog->overview (stdout);
      return CLI_OK;
    }
  if (strcmp (name, "--version") == 0)
    {
      printf ("%s %s\n", prog->name, fga_version ());
      return CLI_OK;
    }
  if (strcmp (name, "help") == 0)
    return help (prog, argv[2]);
  const cli_command_t *c = find (prog, name);
  if (c == NULL)
    return prog->unknown (name);
  cli_command = c->name;
  cli_install_signal_handlers ();
  return c->run (argc - 1, argv + 1);
}
