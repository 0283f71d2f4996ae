# experiments/local.mk -- the standard runs.
# Included from the top Makefile.am (include experiments/local.mk), so
# every path here is relative to the top of the tree.
#
#   make experiments   regenerates every standard run into
#                      $(abs_top_srcdir)/notebooks-data/: for each config a
#                      sweep computed afresh (its folder is replaced, so
#                      that no row of an older version is kept) and its
#                      report, then the expfit degree table, the hardness
#                      experiment (fgattn hardness) and the main job
#                      (fgattn demo, computed afresh into
#                      notebooks-data/transition-demo).  Every command is
#                      given its folder with -o: without it, sweep,
#                      hardness and demo write into a new folder of the
#                      current one.
#
# FGA_EXP_JOBS sets the cells run in parallel (make experiments FGA_EXP_JOBS=2).
# With more than one job each method runs on one thread inside its cell, so
# the last bits of some errors differ from a one-job run (summation order);
# the committed results were made with one job.

FGA_EXP_JOBS = 1
FGA_EXP_CONFIGS = transition error-vs-B
FGA_EXP_OUT = $(abs_top_srcdir)/notebooks-data
FGA_EXP_FGATTN = $(abs_builddir)/src/cli/fgattn

EXTRA_DIST += \
	experiments/audit.py \
	experiments/cluster-sim.py \
	experiments/plan-vs-bench.sh \
	experiments/slurm-sweep.sh \
	notebooks-data/transition.ipynb \
	notebooks-data/README.md

.PHONY: experiments
experiments: src/cli/fgattn$(EXEEXT)
	@set -e; for c in $(FGA_EXP_CONFIGS); do \
	  echo "fgattn sweep experiments/$$c.conf -o notebooks-data/$$c --jobs $(FGA_EXP_JOBS)"; \
	  rm -rf $(FGA_EXP_OUT)/$$c; \
	  $(FGA_EXP_FGATTN) sweep $(abs_top_srcdir)/experiments/$$c.conf \
	    -o $(FGA_EXP_OUT)/$$c --jobs $(FGA_EXP_JOBS) --quiet; \
	  echo "fgattn report notebooks-data/$$c"; \
	  $(FGA_EXP_FGATTN) report $(FGA_EXP_OUT)/$$c; \
	done
	@mkdir -p $(FGA_EXP_OUT)/expfit
	@echo "fgattn expfit --table --R 0.25,1,4,9,16 --eps 1e-3,1e-6,1e-12 --csv notebooks-data/expfit/degrees.csv > notebooks-data/expfit/degrees.md"
	@$(FGA_EXP_FGATTN) expfit --table --R 0.25,1,4,9,16 --eps 1e-3,1e-6,1e-12 \
	  --csv $(FGA_EXP_OUT)/expfit/degrees.csv > $(FGA_EXP_OUT)/expfit/degrees.md.tmp
	@mv -f $(FGA_EXP_OUT)/expfit/degrees.md.tmp $(FGA_EXP_OUT)/expfit/degrees.md
	@echo "fgattn hardness experiments/hardness.conf -o notebooks-data/hardness"
	@$(FGA_EXP_FGATTN) hardness $(abs_top_srcdir)/experiments/hardness.conf \
	  -o $(FGA_EXP_OUT)/hardness --quiet
	@echo "fgattn demo -o notebooks-data/transition-demo (afresh)"
	@rm -rf $(FGA_EXP_OUT)/transition-demo
	@FGATTN_DATADIR=$(abs_top_srcdir) $(FGA_EXP_FGATTN) demo -o $(FGA_EXP_OUT)/transition-demo \
	  --quiet > /dev/null

# Every configuration is installed, so that sweep, hardness and demo find
# them by name from any folder (fgattn sweep transition; fgattn hardness).
experimentsdir = $(pkgdatadir)/experiments
dist_experiments_DATA = \
	experiments/transition.conf \
	experiments/transition-demo.conf \
	experiments/error-vs-B.conf \
	experiments/hardness.conf
