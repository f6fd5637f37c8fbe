"""The judge's scores: principle statuses, tone, the grace score and the verdict, read from findings and their tags."""
