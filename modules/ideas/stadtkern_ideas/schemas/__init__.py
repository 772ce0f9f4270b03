"""Request and response Structs of the Ideenpool, one file per feature."""
