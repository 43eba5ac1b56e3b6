"""The synthetic population generator (`epiwatch generate`, and the people of `epiwatch load_demo`)."""
