"""Build of the C kernel (csrc/) and its Cython wrapper.

Metadata lives in pyproject.toml; this file only describes the extension, because
the C sources and the OpenMP flags need a little logic.
"""
import glob
import os
import sys
import tempfile

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

C_SOURCES = sorted(glob.glob("csrc/*.c") + glob.glob("csrc/models/*.c"))
# headers: a change to any of them rebuilds the extension (distutils only tracks sources)
C_HEADERS = sorted(glob.glob("csrc/**/*.h", recursive=True))

# PYNN_SPINN_VIRTUAL_SANITIZE=1 builds with AddressSanitizer and bounds checks
# (used by the fuzzing CI step); the normal build is optimised.
SANITIZE = os.environ.get("PYNN_SPINN_VIRTUAL_SANITIZE") == "1"


def _compiler_accepts(compiler, flag):
    """True if the C compiler accepts `flag` (used to probe OpenMP support)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write("int main(void) { return 0; }\n")
        try:
            objs = compiler.compile([src], output_dir=tmp, extra_postargs=[flag])
            compiler.link_executable(objs, os.path.join(tmp, "probe"),
                                     extra_postargs=[flag])
        except Exception:
            return False
    return True


class BuildExt(build_ext):
    """Adds OpenMP where the compiler supports it (results never depend on it)."""

    def build_extensions(self):
        openmp = sys.platform != "win32" and _compiler_accepts(self.compiler, "-fopenmp")
        for ext in self.extensions:
            if openmp:
                ext.extra_compile_args.append("-fopenmp")
                ext.extra_link_args.append("-fopenmp")
        super().build_extensions()


compile_args = ["-std=c99", "-Wall", "-Wno-unused-function"]
link_args = []
macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
if SANITIZE:
    compile_args += ["-O1", "-g", "-fsanitize=address,undefined", "-fno-omit-frame-pointer"]
    link_args += ["-fsanitize=address,undefined"]
    macros.append(("KN_BOUNDS_CHECKS", "1"))
else:
    compile_args += ["-O3"]

extensions = [
    Extension(
        "pynn_spinn_virtual._kernel",
        sources=["pynn_spinn_virtual/_kernel.pyx"] + C_SOURCES,
        depends=C_HEADERS,
        include_dirs=["csrc", numpy.get_include()],
        define_macros=macros,
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    ),
    # replays numpy's sequential rejection sampling for the vectorised connectors
    Extension(
        "pynn_spinn_virtual._replay",
        sources=["pynn_spinn_virtual/_replay.pyx"],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    ),
    # the host's float -> fixed-point rounding in one pass
    Extension(
        "pynn_spinn_virtual._fixed",
        sources=["pynn_spinn_virtual/_fixed.pyx"],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    ),
    # lays out the synaptic rows of a whole projection for the mapper
    Extension(
        "pynn_spinn_virtual._rows",
        sources=["pynn_spinn_virtual/_rows.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=macros,
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    ),
]

setup(
    ext_modules=cythonize(extensions, language_level=3,
                          compiler_directives={"boundscheck": False, "wraparound": False}),
    cmdclass={"build_ext": BuildExt},
)
