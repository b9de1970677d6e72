# pragma version ~=0.4.3
# snekmate 0.1.2's audited ERC-20 with its Ownable module: the deployer becomes owner and minter.
from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]

exports: erc20.__interface__


@deploy
def __init__():
    ownable.__init__()
    erc20.__init__("Titan", "TTN", 18, "Titan", "1")
