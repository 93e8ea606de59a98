module switchboard.local/pause

go 1.22
