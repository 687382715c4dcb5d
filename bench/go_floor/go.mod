module kapsel/bench/go_floor

go 1.19
