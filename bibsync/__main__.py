from bibsync.cli import main

main()
