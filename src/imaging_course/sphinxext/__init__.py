"""Sphinx extensions of the course site: quizzes, reading time, reference tables."""
