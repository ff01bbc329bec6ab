"""travel: the homestay catalogue (homestays, businesses, activities, comments)."""
