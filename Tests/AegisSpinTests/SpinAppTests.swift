import AegisSpin
import Testing
