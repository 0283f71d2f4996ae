# src/numerics/local.mk -- metrics, polynomial approximations of exp, monomials,
# the attention matrix and its singular values, the certified ground truth,
# power-law fits, the randomized rank of P (also on a farm)
src_libfgattn_all_la_SOURCES += src/numerics/metrics.c \
	src/numerics/expfit.c src/numerics/cheb.c src/numerics/expfit-impl.h \
	src/numerics/monomial.c src/numerics/monomial-impl.h src/numerics/attention_matrix.c \
	src/numerics/truth.c src/numerics/truth_row.c src/numerics/truth-impl.h \
	src/numerics/truth_fast.c src/numerics/truth_fast-kern.h \
	src/numerics/truth_farm.c \
	src/numerics/fit.c src/numerics/rank_randomized.c src/numerics/numerics-impl.h \
	src/numerics/rank_farm.c src/numerics/rank-impl.h
