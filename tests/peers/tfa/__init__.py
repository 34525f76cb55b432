"""tensorflow-addons' image tests (tfa@d208d752), ported by changing only their imports."""
