package rotate

// Sentinels: distinctive passwords that tests look for wherever they must
// not appear.
const (
	oldSentinel = "Old-Sentinel-9qZ7!wK2"
	newSentinel = "New-Sentinel-Xp4$mT8r"
)
