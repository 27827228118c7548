Set sh = CreateObject("WScript.Shell")
sh.Run "calc.exe"
