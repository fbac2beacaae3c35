"""What the hub and every community node must agree on; never imports Flask."""
