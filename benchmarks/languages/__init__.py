"""Independent synthetic sign languages for benchmarking sign2text."""
