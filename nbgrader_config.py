# nbgrader reads this file from the directory it runs in: the repository root is the course
# directory. The configuration itself lives with the rest of the grading code.
c = get_config()  # noqa: F821
load_subconfig("autograder/nbgrader_config.py")  # noqa: F821
