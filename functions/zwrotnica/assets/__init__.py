"""Files shipped with the code (fonts with Polish glyphs)."""
