"""mqueue: notifications to users (the original's `msg:pay_success:notify_user` job target)."""
