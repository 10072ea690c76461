"""One aiodataloader per batched lookup, so a list never costs a query per row."""
