# Lambda imports this package before its handler: collection pauses while the modules load, and the
# handler's app.py resumes it (zwrotnica/startup.py says why).
from zwrotnica import startup

startup.pause()
