// Query module
