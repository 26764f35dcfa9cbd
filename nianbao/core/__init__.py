"""The domain model every stage uses: definitions, templates, schemas, rules, labels, package model, text files."""
