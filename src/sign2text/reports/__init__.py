"""What people read: comparison tables, curves, rendered clips."""
