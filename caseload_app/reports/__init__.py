"""PDF and CSV output; imports domain only, never Qt."""
