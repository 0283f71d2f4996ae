# tests/python/local.mk -- the Python bindings' suite, under pytest
#
# tests/python/pytest.test (made by configure from pytest.test.in, so that
# it runs the interpreter the bindings were built for) runs the test_*.py
# files of this folder with the build tree's package first on PYTHONPATH;
# it is skipped (exit 77) when the bindings are not built.  .ci/run counts
# its cases one by one from pytest's summary line.

TESTS += tests/python/pytest.test
EXTRA_DIST += tests/python/pytest.test.in tests/python/conftest.py \
	tests/python/test_truth.py tests/python/test_inputs.py \
	tests/python/test_methods.py tests/python/test_models.py \
	tests/python/test_callable.py tests/python/test_audit.py \
	tests/python/test_ext.py
