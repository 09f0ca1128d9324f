"""Forward definitions the chapters teach, in float64.

Only *forward* passes live here: the checks differentiate them numerically, so no analytic
gradient (the exercises' answers) is ever shipped to learners.
"""
