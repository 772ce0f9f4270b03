"""What the routes accept and answer (msgspec Structs), one file per feature, and the row -> wire functions."""
