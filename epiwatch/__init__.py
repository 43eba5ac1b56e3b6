"""epiwatch: province-wide epidemic surveillance and response."""
