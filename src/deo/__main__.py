from deo.cli import main

main()
