"""Python modules Debian packages for its own python3 only (python3-olefile,
python3-xlrd): load(name) imports one, from /usr/lib/python3/dist-packages
when the running Python does not have it."""
import importlib
import sys

DIST = "/usr/lib/python3/dist-packages"


def load(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        if DIST not in sys.path:
            sys.path.append(DIST)
        return importlib.import_module(name)
