"""Unit tests of document handling: no servers, no tesseract."""
