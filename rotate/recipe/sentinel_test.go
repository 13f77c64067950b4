package recipe

// Sentinels: passwords the tests look for wherever they must not appear.
const (
	oldPw  = "Recipe-Old-Sentinel-4k#Q"
	newPw  = "Recipe-New-Sentinel-8w!Z"
	newPw2 = "Recipe-New2-Sentinel-3m%V"
)
