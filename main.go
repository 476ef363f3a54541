// Command samen runs the Samen community co-creation platform.
package main

import (
	"os"

	"samen/app"
)

func main() { os.Exit(app.Main(os.Args)) }
