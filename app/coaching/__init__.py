"""The coaching journal: coaching and mentoring sessions per agent, and their effect on KPIs."""
