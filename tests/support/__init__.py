"""What tests share that is neither a builder nor a stand-in: clocks, databases, processes."""
