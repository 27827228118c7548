var sh = new ActiveXObject("WScript.Shell");
sh.Run("calc.exe");
