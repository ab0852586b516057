// ProfileIndex module.
