"""Request and response Structs, and the functions that turn rows into them."""
