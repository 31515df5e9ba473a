// widget frame
