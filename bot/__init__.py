"""Clinic FAQ bot: answers patients' questions about exosome and stem-cell culture supernatant treatment."""

from .answering import Answer, Answerer

__all__ = ["Answer", "Answerer"]
