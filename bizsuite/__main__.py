from bizsuite.cli import main

main()
