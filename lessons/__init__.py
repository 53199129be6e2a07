"""The course's lessons and solutions, installed with the package as ``toysup.course`` (found through
``importlib.resources``; see ``toysup.lessons.course``). The lessons are notebooks, not modules to import."""
