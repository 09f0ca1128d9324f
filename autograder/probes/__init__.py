"""Probe functions per assignment: ``autograder/probes/<assignment>.py`` defines
``PROBES = {item_name: probe(rec, case)}``. These modules import only numpy and
:mod:`autograder.probe` — they are the sandbox's whole copy of the checking code."""
