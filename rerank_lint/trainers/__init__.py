"""What each trainer reads, how it tokenizes and where it cuts."""
