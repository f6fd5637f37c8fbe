"""The eval suite: cases as data, deterministic checks, judges, the runner and its reports."""
