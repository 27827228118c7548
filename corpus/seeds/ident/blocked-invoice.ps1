Start-Process calc.exe
