"""The judge's text layer: sentences with offsets, names, readings of plain text. Imports nothing else of the judge."""
