"""Size limits of the study's arbitrary-precision paths, importable without NumPy or torch (the CLI checks its
arguments against them before it imports the numerical code)."""

#: Largest d certified by ``--certify`` (mpmath expm costs about 0.1 s at d = 8 and grows like d³).
MAX_CERTIFY_D = 8
#: Largest d of the extended-precision path ``--digits`` (mpmath's logm/expm cost grows like d³ in slow arithmetic).
MAX_EXTENDED_D = 16
#: Fewest working digits accepted by ``--digits`` (fewer would not beat float64's 16).
MIN_DIGITS = 20
#: Most working digits accepted by ``--digits``.
MAX_DIGITS = 2000
