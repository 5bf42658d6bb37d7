"""Reading corpus files into documents: one module per format, structure kept."""
