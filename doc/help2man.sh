#!/bin/sh
# help2man.sh -- the manual page of fgattn, made from the program's own help
#
#   sh doc/help2man.sh PROGRAM OUTPUT
#
# Runs PROGRAM --version, PROGRAM --help (the overview), PROGRAM CMD --help
# for every command the overview lists, and PROGRAM CMD X --help for every
# "NAME CMD X --help" that a command's help names, X a word or an option
# (bench's benchmarks, plan --table; one whose help fails, or repeats the
# command's, is left out with a warning), and writes one man(7) page to
# OUTPUT, whole or not at all.  The page and --help cannot drift: `make'
# runs this again whenever the program changes.
#
# A program whose --help is already a manual, laid out as a manual page
# (a first line "NAME", headings in capitals at the margin, their text
# indented by four spaces: fgattn-mpi), has that manual made into the page
# instead, heading for heading; it has no commands of its own to list.
#
# Only the shape of the overview is relied on, never the words of any help
# text: a first paragraph starting "usage:" is the SYNOPSIS; a line ending
# in "commands:" followed by lines "  NAME  SUMMARY" is the list of
# commands; a line starting "exit status:" ("0 success, 1 ...") gives EXIT
# STATUS; every other paragraph is DESCRIPTION.  Each command's help is
# copied into a subsection of COMMANDS as it is (no-fill; only tabs are
# expanded and spaces at line ends dropped).  ENVIRONMENT, FILES and SEE
# ALSO are written here: they say what no --help says (the variables are
# those src/ reads with getenv; tests/cli/man.test checks that none is
# missing).
#
# Every character roff would read as markup is escaped: backslash as \e,
# '-' as \- (so that options can be copied from the page), the quotes ' and
# ` as \(aq and \(ga, ^ and ~ as \(ha and \(ti (groff's UTF-8 output would
# otherwise give modifier letters), a line starting with a period or an
# apostrophe is protected by \&, and a character beyond ASCII (UTF-8)
# becomes \[uXXXX].  POSIX sh, awk and the usual utilities (expand, mktemp,
# cmp): neither help2man nor Python is needed.
set -eu

if [ $# -ne 2 ]; then
  echo "usage: sh help2man.sh PROGRAM OUTPUT" >&2
  exit 2
fi
prog=$1
out=$2
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/help2man-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

die () {
  echo "help2man.sh: $*" >&2
  exit 1
}

# gethelp FILE ARGS...: PROGRAM ARGS into FILE; it must exit 0 and print.
gethelp () {
  f=$1
  shift
  "$prog" "$@" > "$f" 2> "$tmp/stderr" \
    || die "'$prog $*' exited with status $?: $(head -c 400 "$tmp/stderr")"
  [ -s "$f" ] || die "'$prog $*' printed nothing"
}

name=
version=
gethelp "$tmp/version" --version
gethelp "$tmp/overview" --help
read -r name version < "$tmp/version" || true
[ -n "$name" ] && [ -n "$version" ] || die "'$prog --version' printed no 'NAME VERSION'"

# The escaping, shared by every awk below: esc (line).
escape='
function esc (s,    r, i, n, c, b, cp, k) {
  r = ""
  n = length (s)
  for (i = 1; i <= n; i++) {
    c = substr (s, i, 1)
    if (c in map) { r = r map[c]; continue }
    b = ord[c]
    if (b < 128) { r = r c; continue }
    # UTF-8: the lead byte says how many continuation bytes follow
    if (b >= 240) { cp = b - 240; k = 3 } else if (b >= 224) { cp = b - 224; k = 2 }
    else if (b >= 192) { cp = b - 192; k = 1 } else { cp = 65533; k = 0 }
    for (; k > 0 && i < n; k--) { i++; cp = cp * 64 + ord[substr (s, i, 1)] - 128 }
    r = r sprintf ("\\[u%04X]", cp)
  }
  if (r ~ /^[.]/ || substr (r, 1, 1) == sprintf ("%c", 39))
    r = "\\&" r
  return r
}
BEGIN {
  for (i = 1; i < 256; i++) ord[sprintf ("%c", i)] = i
  map["\\"] = "\\e"; map["-"] = "\\-"; map[sprintf ("%c", 39)] = "\\(aq"
  map["`"] = "\\(ga"; map["^"] = "\\(ha"; map["~"] = "\\(ti"
}
'

# verbatim FILE: the lines of FILE in no-fill mode, tabs expanded to the
# columns a terminal shows (every 8), spaces at the end of a line and
# blank lines at the start and end dropped.
verbatim () {
  echo ".nf"
  expand "$1" | awk "$escape"'
    { sub (/ +$/, "") }
    /^$/ { if (n > 0) blank++; next }
    { for (; blank > 0; blank--) print ""; n++; print esc($0) }'
  echo ".fi"
}

date=${SOURCE_DATE_EPOCH:+$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d 2>/dev/null || true)}
[ -n "$date" ] || date=$(date -u +%Y-%m-%d)
upper=$(echo "$name" | tr a-z A-Z)

# A program whose --help is already a manual in the layout of a manual page
# (fgattn-mpi: a first line "NAME", headings in capitals at the margin, their
# text indented by four spaces) becomes that page, heading for heading:
# SYNOPSIS and EXAMPLES as they are (no-fill), the other paragraphs filled.
if [ "$(head -n 1 "$tmp/overview")" = NAME ]; then
  expand "$tmp/overview" > "$tmp/overview-expanded"
  {
    echo ".\\\" $name.1 -- made by doc/help2man.sh from '$name --help'."
    echo ".\\\" Do not edit: change the help text, or the generator, and run make."
    echo ".TH $upper 1 $date \"$name $version\" \"User Commands\""
    echo ".ad l"
    echo ".nh"
    awk "$escape"'
      function flush (   i) {
        if (np == 0) return
        if (started) print ".PP"
        if (nofill) print ".nf"
        for (i = 1; i <= np; i++) print esc(para[i])
        if (nofill) print ".fi"
        np = 0; started = 1
      }
      { sub (/[ \t]+$/, "") }
      /^[A-Z][A-Z ]*$/ {
        flush(); print ".SH \"" $0 "\""
        nofill = $0 == "SYNOPSIS" || $0 == "EXAMPLES"; started = 0; next
      }
      /^$/ { flush(); next }
      { sub (/^    /, ""); para[++np] = $0 }
      END { flush() }' < "$tmp/overview-expanded"
  } > "$tmp/page"
  cp "$tmp/page" "$out.tmp"
  mv -f "$out.tmp" "$out"
  exit 0
fi

# The commands: "  NAME  SUMMARY" lines after a line ending in "commands:".
awk '/commands:$/ { on = 1; next }
     on && /^  [a-z][a-z0-9_-]*  */ { print $1; next }
     on { on = 0 }' "$tmp/overview" > "$tmp/commands"
[ -s "$tmp/commands" ] \
  || die "'$prog --help' lists no commands (a line 'commands:' and lines '  NAME  SUMMARY')"

# Each command's help, then the forms it names as "NAME CMD X --help".
: > "$tmp/sections"
while read -r cmd; do
  gethelp "$tmp/help-$cmd" "$cmd" --help
  echo "$cmd" >> "$tmp/sections"
  awk -v pre="$name $cmd " '{
        s = $0
        while ((k = index (s, pre)) > 0) {
          s = substr (s, k + length (pre))
          if (match (s, /^(--)?[a-z][a-z0-9_-]* +--help/)) {
            w = substr (s, 1, RLENGTH); sub (/ .*/, "", w); print w
          }
        }
      }' "$tmp/help-$cmd" | awk '!seen[$0]++' > "$tmp/subs-$cmd"
  # A form whose help fails, or is the command's own, is left out (the
  # test says so; the build goes on).
  while read -r sub; do
    if "$prog" "$cmd" "$sub" --help > "$tmp/help-$cmd-$sub" 2> /dev/null \
       && [ -s "$tmp/help-$cmd-$sub" ] && ! cmp -s "$tmp/help-$cmd-$sub" "$tmp/help-$cmd"; then
      echo "$cmd $sub" >> "$tmp/sections"
    else
      echo "help2man.sh: warning: '$prog $cmd $sub --help' fails or repeats" \
           "'$cmd --help': left out" >&2
    fi
  done < "$tmp/subs-$cmd"
done < "$tmp/commands"

{
  echo ".\\\" $name.1 -- made by doc/help2man.sh from '$name --help' and '$name COMMAND --help'."
  echo ".\\\" Do not edit: change the help texts, or the generator, and run make."
  echo ".TH $upper 1 $date \"$name $version\" \"User Commands\""
  # ragged right, no hyphenation: options and file names stay whole
  echo ".ad l"
  echo ".nh"

  # NAME, SYNOPSIS and DESCRIPTION from the overview's paragraphs.
  awk -v name="$name" -v version="$version" "$escape"'
    function flush (   i, t) {
      if (np == 0) return
      if (para[1] ~ /^usage:/) {
        usage = ""
        for (i = 1; i <= np; i++) {
          t = para[i]
          if (i == 1) sub (/^usage: */, "", t); else sub (/^       /, "", t)
          usage = usage esc(t) "\n"
        }
      } else if (para[1] ~ /^exit status:/) {
        t = para[1]; for (i = 2; i <= np; i++) t = t " " para[i]
        sub (/^exit status: */, "", t); exits = t
      } else if (para[1] ~ /commands:$/) {
        # a compact list, its tags as wide as the longest name
        w = 0
        for (i = 2; i <= np; i++) {
          c = para[i]; sub (/^ +/, "", c); sub (/ .*/, "", c)
          if (length (c) > w) w = length (c)
        }
        body = body ".PP\nThe commands:\n.PD 0\n"
        for (i = 2; i <= np; i++) {
          t = para[i]; sub (/^ +/, "", t)
          c = t; sub (/ .*/, "", c); sub (/^[^ ]+ +/, "", t)
          body = body ".TP " (w + 2) "n\n.B " esc(c) "\n" esc(t) "\n"
        }
        body = body ".PD\n"
      } else {
        t = ""
        for (i = 1; i <= np; i++) { sub (/^ +/, "", para[i]); t = t (i > 1 ? " " : "") para[i] }
        if (summary == "" && index (t, name " " version ": ") == 1) {
          summary = substr (t, length (name " " version ": ") + 1); sub (/[.]$/, "", summary)
        }
        body = body ".PP\n"
        for (i = 1; i <= np; i++) body = body esc(para[i]) "\n"
      }
      np = 0
    }
    { sub (/[ \t]+$/, "") }
    # a line "commands:" may follow its paragraph without a blank line
    /commands:$/ { flush() }
    /^$/ { flush(); next }
    { para[++np] = $0 }
    END {
      flush()
      if (summary == "") summary = "exact, certified and fast approximate softmax attention"
      print ".SH NAME"
      print esc(name) " \\- " esc(summary)
      if (usage == "") usage = esc(name) " COMMAND [OPTIONS]\n"
      print ".SH SYNOPSIS"
      print ".nf"
      printf "%s", usage
      print ".fi"
      print ".SH DESCRIPTION"
      sub (/^[.]PP\n/, "", body)     # a section starts a paragraph
      printf "%s", body
      print ".PP"
      print "Each command is described below by its own help text, as"
      print ".B " esc(name) " \\fICOMMAND\\fP \\-\\-help"
      print "prints it."
      print exits > exitsfile
    }' exitsfile="$tmp/exits" "$tmp/overview"

  echo ".SH COMMANDS"
  while read -r sect; do
    echo ".SS \"$(printf '%s\n' "$name $sect" | awk "$escape"'{ print esc($0) }')\""
    verbatim "$tmp/help-$(echo "$sect" | tr ' ' -)"
  done < "$tmp/sections"

  # "0 success, 1 a computation failed, 2 ..." as a list of statuses.
  echo ".SH \"EXIT STATUS\""
  awk "$escape"'
    { n = split ($0, part, /, /); item = ""
      for (i = 1; i <= n; i++) {
        if (part[i] ~ /^[0-9]+ / && item != "") { emit(item); item = "" }
        item = item (item == "" ? "" : ", ") part[i]
      }
      if (item != "") emit(item)
    }
    function emit (s,   code) {
      code = s; sub (/ .*/, "", code); sub (/^[0-9]+ /, "", s)
      print ".TP\n.B " code "\n" esc(s); found = 1
    }
    END { if (!found) print "0 on success, non\\-zero on failure." }' "$tmp/exits"
  cat <<'EOF'
.PP
A command that fails says on standard error what is wrong, naming the
option, the file, the row and column of an entry or the parameter of a
method at fault.
Input is checked before any work starts, and a command refused with
status 2 writes nothing.
EOF

  cat <<'EOF'
.SH ENVIRONMENT
.TP
.B FGATTN_ISA
.BR generic ", " avx2 " or " avx512 :
caps the instruction set the exact kernels in double (and the
randomized rank) choose at run time (by default the best the processor
and the system support); it never raises it.
Used to run every code path on one machine.
.TP
.B FGATTN_BLAS_FIX
.BR 0 " or " force :
by default, when OpenBLAS (built for many processors) chose weaker
kernels at load than the processor can run (AVX, AVX2 with FMA,
AVX-512), fgattn switches it once to Sandybridge, Haswell or SkylakeX
before the first product, unless OPENBLAS_CORETYPE names a core (the
records then say which core the processor could run:
"not switched to SkylakeX: OPENBLAS_CORETYPE is set").
.B 0
leaves OpenBLAS as it chose;
.B force
switches even from a core OPENBLAS_CORETYPE names (to see the switch:
OPENBLAS_CORETYPE=Prescott FGATTN_BLAS_FIX=force).
.TP
.B FGATTN_POLY_TIER
.BR double ", " dd " or " mpfr :
the first precision tier (double, double-double, MPFR) of the exact
evaluation behind the empirical least degree of the polynomial method,
g_emp in
.B sweep
and
.BR demo ;
a row whose error bound does not decide goes on to the next tier.
Used to check each tier on its own.
.TP
.B FGATTN_WARN_SECONDS
a number of seconds (>= 0, default 10):
.B run
says on standard error, before it starts, that a run is predicted to
take longer than this.
.TP
.B FGATTN_PROGRESS_INTERVAL
a number of seconds (>= 0, default 30) between two progress lines of a
long command when standard error is not a terminal (a log); 0 writes a
line at every update.
.TP
.B FGATTN_DATADIR
where
.B demo
looks first for its configuration,
.IR $FGATTN_DATADIR/experiments/transition\-demo.conf ,
before the installed data folder and the source tree.
.TP
.B TMPDIR
where the method
.B ext
makes the private folder of each run (default
.IR /tmp ).
.TP
.B PATH
searched for
.BR gnuplot ,
which draws the plots of
.BR report ", " demo " and " "plan \-\-table" ;
without it, the data and gnuplot scripts of the plots are written but no
images.
.TP
.B OMP_NUM_THREADS
the threads of the kernels and methods (OpenMP); by default one per
processor.
.TP
.BR OPENBLAS_NUM_THREADS ", " OPENBLAS_CORETYPE
read by OpenBLAS: its own threads (the library holds them at one while
its own OpenMP threads compute), and the processor whose kernels it uses
(e.g.
.BR SkylakeX ),
for a processor it misdetects.
.TP
.BR FGATTN_TAU ", " FGATTN_N ", " FGATTN_NK ", " FGATTN_D ", " FGATTN_DV ", " FGATTN_SIZE
not read but set, for the command of the method
.BR ext :
tau (printed with 17 digits, so that it reads back as the same double),
the number of queries, of keys, the dimension of Q and K, that of V, and
the size parameter.
EOF

  cat <<'EOF'
.SH FILES
.TP
.I DIR/Q.npy, DIR/K.npy, DIR/V.npy, DIR/instance.json
an instance: float64 NPY files as numpy.save writes them (float32 and
float16 are widened exactly), and the parameters it was drawn with
(optional when reading).
.TP
.I PREFIX/share/fgattn/experiments/transition\-demo.conf
the configuration of
.B demo
(PREFIX is the installation prefix, /usr/local by default);
.B sweep
and
.B hardness
read configuration files of the same INI form, described in their help.
.TP
.I DIR/.lock
held by
.BR sweep ", " hardness " and " demo
for the length of a run, so that a second writer of the same folder is
refused.
.TP
.I PREFIX/include/fgattn.h, PREFIX/lib/pkgconfig/fgattn.pc
the C library libfgattn: compile with
.BR "pkg\-config \-\-cflags \-\-libs fgattn" ;
.I PREFIX/share/doc/fgattn/examples/attention.c
is a complete program.
.SH SEE ALSO
.BR gnuplot (1),
.BR pkg\-config (1).
.PP
README.md and the folder theory/ of the source distribution: the
mathematics, the proofs of every bound the program certifies, and the
experiments.
EOF
} > "$tmp/page"

# Written whole, under a temporary name beside OUTPUT, then renamed.
cp "$tmp/page" "$out.tmp"
mv -f "$out.tmp" "$out"
